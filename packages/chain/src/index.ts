/** @svkit/chain: see the README. */
export {};
