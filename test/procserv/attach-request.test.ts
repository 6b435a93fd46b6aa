/** The attach request a client may send first: taken off the input, or passed on whole when it is not one. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AttachRequestReader, encodeAttachRequest } from '@svkit/procserv/attach-request';

const feed = (r: AttachRequestReader, s: string): { input: string; request?: object } => {
  const out = r.feed(Buffer.from(s, 'latin1'));
  return { input: out.input.toString('latin1'), ...(out.request ? { request: out.request } : {}) };
};

test('a request is taken off the input, split anywhere, and what follows it is input', () => {
  const r = new AttachRequestReader();
  assert.deepEqual(feed(r, ''), { input: '' }); // telnet negotiation decodes to nothing: still at the start
  assert.deepEqual(feed(r, '\0svc'), { input: '' });
  assert.deepEqual(feed(r, 'onsole replay=3 read'), { input: '' });
  assert.deepEqual(feed(r, 'only\nabc'), { input: 'abc', request: { replay: 3, readOnly: true } });
  assert.deepEqual(feed(r, '\0svconsole readonly\n'), { input: '\0svconsole readonly\n' }, 'only the first bytes can be a request');
  assert.equal(encodeAttachRequest({ replay: 3, readOnly: true }).toString('latin1'), '\0svconsole replay=3 readonly\n');
});

test('over telnet CR LF arrives as CR: a CR ends the request too (and a following LF goes with it)', () => {
  const r = new AttachRequestReader();
  assert.deepEqual(feed(r, '\0svconsole replay=5 readonly\r\nx'), { input: 'x', request: { replay: 5, readOnly: true } });
  const r2 = new AttachRequestReader();
  assert.deepEqual(feed(r2, '\0svconsole readonly\rtyped\r'), { input: 'typed\r', request: { replay: 0, readOnly: true } });
});

test('input that starts with NUL but is no request is passed on whole (a telnet user typing ^@ first)', () => {
  const r = new AttachRequestReader();
  assert.deepEqual(feed(r, '\0'), { input: '' });
  assert.deepEqual(feed(r, 'hi\r'), { input: '\0hi\r' });
  assert.deepEqual(feed(r, 'more'), { input: 'more' });
  const r2 = new AttachRequestReader();
  assert.deepEqual(feed(r2, 'plain\0svconsole\n'), { input: 'plain\0svconsole\n' });
  const r3 = new AttachRequestReader();
  assert.deepEqual(feed(r3, `\0svconsole ${'x'.repeat(300)}`), { input: '' }, 'an endless request is garbage: dropped');
  assert.deepEqual(feed(r3, 'after\r'), { input: 'after\r' });
});
