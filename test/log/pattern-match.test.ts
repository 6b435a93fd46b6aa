import { test } from 'node:test';
import assert from 'node:assert/strict';
import { patternMatches } from '@svkit/log/pattern-match';

const m = (p: string, line: string): boolean => {
  const l = Buffer.from(line);
  return patternMatches(Buffer.from(p), l, 0, l.length);
};

test('a pattern must match the whole line; non-stars match themselves', () => {
  assert.equal(m('hello', 'hello'), true);
  assert.equal(m('hello', 'hello world'), false);
  assert.equal(m('hello', 'hell'), false);
  assert.equal(m('', ''), true);
  assert.equal(m('', 'x'), false);
});

test('a star before the end matches up to the next pattern character, which must follow', () => {
  assert.equal(m('named[*]: Cleaned cache *', 'named[135]: Cleaned cache of 3121 RRs'), true);
  assert.equal(m('a*c', 'abbbc'), true);
  assert.equal(m('a*c', 'abcbc'), false); // the star stops at the first c
  assert.equal(m('a*c', 'ab'), false);
  assert.equal(m('* fatal: *', '@400000003b4a39c23294b13c fatal: out of memory'), true);
});

test('a final star matches anything, including nothing', () => {
  assert.equal(m('*', ''), true);
  assert.equal(m('*', 'anything'), true);
  assert.equal(m('ab*', 'ab'), true);
  assert.equal(m('ab*', 'a'), false);
});

test('binary lines and a sub-range are matched byte by byte', () => {
  const line = Buffer.from([0, 1, 0x2a, 0xff, 0x41]);
  assert.equal(patternMatches(Buffer.from('*A'), line, 0, line.length), true); // the star stops at the first 'A'
  assert.equal(patternMatches(Buffer.from('*\xff'), line, 0, line.length), false);
  assert.equal(patternMatches(Buffer.from([0x01, 0x2a]), line, 1, line.length), true);
  assert.equal(patternMatches(Buffer.from('A'), line, 4, 5), true);
});
