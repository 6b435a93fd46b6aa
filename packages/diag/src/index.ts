/** Diagnostics and standard streams shared by every svkit program. */
export * from './io.js';
export * from './errno-text.js';
export * from './strerr.js';
export * from './help.js';
export * from './sigpipe.js';
