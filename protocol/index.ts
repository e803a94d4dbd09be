/** The ascii360 wire format, implemented once for the server and both clients (PROTOCOL-NOTES.md). */
export * from './close-codes.js';
export * from './errors.js';
export * from './frame.js';
export * from './init.js';
export * from './limits.js';
export * from './messages.js';
export * from './modes.js';
export * from './view.js';
