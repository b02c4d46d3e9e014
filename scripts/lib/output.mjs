// Console output of the scripts: one marker per kind of line, colour only on a terminal.
const colour = (code) => (text) =>
  process.stdout.isTTY ? `\u001b[${code}m${text}\u001b[0m` : text;

export const cyan = colour(36);
export const green = colour(32);
export const red = colour(31);
export const bold = colour(1);

/** A step the script is taking. */
export const say = (message) => console.log(`${cyan('›')} ${message}`);

/** Something that worked. */
export const ok = (message) => console.log(`${green('✔')} ${message}`);

/** Something that did not; goes to stderr. */
export const complain = (message) => console.error(`${red('✖')} ${message}`);

/** Prints the problem and ends the script with exit code 1. */
export function fail(message) {
  complain(message);
  process.exit(1);
}

/**
 * Runs a script's main function, turning an uncaught error into a message and exit code 1
 * (with the stack: such an error is a bug or an unexpected state worth seeing whole).
 */
export function runMain(main) {
  main().catch((error) => {
    fail(error instanceof Error ? (error.stack ?? error.message) : String(error));
  });
}
