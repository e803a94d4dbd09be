/** The ascii360 wire format, implemented once for the server and both clients (PROTOCOL-NOTES.md). */
export * from './cameras.js';
export * from './cell-styles.js';
export * from './close-codes.js';
export * from './adts.js';
export * from './codec.js';
export * from './errors.js';
export * from './frame.js';
export * from './frame-shape.js';
export * from './glyph-geometry.js';
export * from './init.js';
export * from './limits.js';
export * from './messages.js';
export * from './modes.js';
export * from './palettes.js';
export * from './status.js';
export * from './view.js';
