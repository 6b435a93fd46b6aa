/** @svkit/log: multilog, tai64n and tai64nlocal, and the pieces they are built from. */
export * from './pattern-match.js';
export * from './multilog-script.js';
export * from './log-dir.js';
export * from './line-router.js';
export * from './time-format.js';
export * from './input.js';
