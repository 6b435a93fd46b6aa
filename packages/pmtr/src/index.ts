/** @svkit/pmtr: a drop-in pmtr on svkit's supervisor. */
export * from './config-parse.js';
export * from './config-file.js';
export * from './job-exec.js';
export * from './job-set.js';
