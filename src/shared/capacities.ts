/**
 * Bounds that depend on each other across the pipeline, computed here from one another so a change
 * to one cannot silently break the next (frame-ring.ts, workers/render-scheduler.ts).
 */

/** Decoded frames waiting to render: one to absorb jitter while another renders; more would only add latency. */
export const DECODE_QUEUE_CAPACITY = 2;

/**
 * Frame slots a ring needs in the worst case: one being written by the source, the decode queue
 * full, one rendering, one kept as the last frame (re-renders of a paused or still source), and a
 * spare so the source never waits for a release in flight.
 */
export const RING_SLOTS = 1 + DECODE_QUEUE_CAPACITY + 1 + 1 + 1;

/** Viewers plus audio listeners one server takes unless told otherwise (--max-clients). */
export const DEFAULT_MAX_CLIENTS = 64;
