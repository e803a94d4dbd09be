/** WebSocket close codes the server uses (PROTOCOL-NOTES.md §6.2). */
export const CloseCode = {
  /** The source ended (non-looping file): the stream is complete. */
  END_OF_STREAM: 1000,
  /** The server is shutting down. */
  GOING_AWAY: 1001,
  /** Refused: a query value that cannot be read, or too many messages. */
  POLICY: 1008,
  /** A message larger than the server's maxPayload. */
  TOO_BIG: 1009,
  /** The source failed for good (could not be restarted). */
  SOURCE_FAILED: 1011,
  /** The server is full (`--max-clients`): try again later. */
  TRY_AGAIN_LATER: 1013,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];
