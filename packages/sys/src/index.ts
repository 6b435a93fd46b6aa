/** System calls and process plumbing that Node lacks, for svkit programs. */
export * from './libc.js';
export * from './spawn.js';
export * from './fd-passing.js';
export * from './pathexec.js';
export * from './user.js';
export * from './inherited-fds.js';
export * from './write-atomic.js';
export * from './child-reaper.js';
