/** @svkit/procserv: see the README. */
export {};
