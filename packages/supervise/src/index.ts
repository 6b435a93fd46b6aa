/** @svkit/supervise: see the README. */
export {};
