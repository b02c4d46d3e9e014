/**
 * Closes the app on SIGINT/SIGTERM so workers finish their current job and connections close.
 * A second signal exits at once.
 */
export function closeOnSignals(
  app: { close(): Promise<unknown> },
  log: (message: string) => void,
): void {
  let closing = false;
  const handler = (signal: NodeJS.Signals) => {
    if (closing) process.exit(130);
    closing = true;
    log(`${signal} received, shutting down`);
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}
