/** npm run bench: measures svkit against Debian's C tools (see bench/README.md). */
export {};
