/** TAI64N timestamps, daemontools-compatible. */
export * from './tai64.js';
