/** @svkit/log: see the README. */
export {};
