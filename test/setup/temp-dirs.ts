// Runs in every test file (vitest.config.ts setupFiles): the file's temp folders go when its tests are done, those
// made inside a test included.
import { afterAll } from "vitest";
import { removeTempDirs } from "../helpers/cli.js";

afterAll(removeTempDirs);
