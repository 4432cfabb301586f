/** Progress goes through a reporter: the CLI passes a terminal one on a TTY, tests and libraries a silent one. */
export interface Reporter {
  step(message: string): void;
  success(message: string): void;
  warn(message: string): void;
}

export const silentReporter: Reporter = { step() {}, success() {}, warn() {} };
