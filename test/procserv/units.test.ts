/** The small pieces: control-character notation, telnet decoding, scrollback, endpoints, options, escape key. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCommandChar, parseControlChars, showChar } from '@svkit/procserv/control-char';
import { parseEndpoint } from '@svkit/procserv/endpoint';
import { EscapeFilter } from '@svkit/procserv/escape-key';
import { parseProcservArgs } from '@svkit/procserv/procserv-options';
import { Scrollback } from '@svkit/procserv/scrollback';
import { escapeIac, TelnetDecoder } from '@svkit/procserv/telnet';

test('control characters in ^X notation', () => {
  assert.deepEqual(parseControlChars('^D^C'), [4, 3]);
  assert.deepEqual(parseControlChars('^^a^?'), [0x5e, 0x61, 0x7f]);
  assert.equal(parseCommandChar('^x'), 0x18);
  assert.equal(parseCommandChar('""'), undefined);
  assert.throws(() => parseCommandChar('^X^Y'));
  assert.equal(showChar(0x14), '^T');
});

test('telnet: commands stripped across chunks, IAC IAC is 0xff, CR LF and CR NUL fold to CR', () => {
  const d = new TelnetDecoder();
  const a = d.decode(Buffer.from([0x61, 0xff]));
  const b = d.decode(Buffer.from([0xfd, 0x03, 0xff, 0xff, 0xff, 0xfa, 0x18, 0x01, 0xff, 0xf0, 0x0d, 0x0a, 0x62, 0x0d]));
  const c = d.decode(Buffer.from([0x00, 0x63]));
  assert.deepEqual([...a, ...b, ...c], [0x61, 0xff, 0x0d, 0x62, 0x0d, 0x63]);
  assert.deepEqual([...escapeIac(Buffer.from([1, 0xff, 2]))], [1, 0xff, 0xff, 2]);
});

test('scrollback keeps the newest bytes and returns the last N lines', () => {
  const s = new Scrollback(12);
  s.push(Buffer.from('one\ntwo\n'));
  s.push(Buffer.from('three\nfo'));
  assert.equal(s.lastLines(2).toString(), 'three\nfo');
  assert.equal(s.lastLines(10).toString(), 'two\nthree\nfo');
  assert.equal(s.lastLines(0).length, 0);
});

test('endpoints as procServ writes them', () => {
  assert.deepEqual(parseEndpoint('2000'), { kind: 'tcp', host: undefined, port: 2000 });
  assert.deepEqual(parseEndpoint('127.0.0.1:2000'), { kind: 'tcp', host: '127.0.0.1', port: 2000 });
  assert.deepEqual(parseEndpoint('unix:/run/ioc1/console'), { kind: 'unix', path: '/run/ioc1/console', abstract: false });
  assert.deepEqual(parseEndpoint('unix::grp:0660:/x'), { kind: 'unix', path: '/x', abstract: false, user: undefined, group: 'grp', perm: 0o660 });
  assert.throws(() => parseEndpoint('localhost:2000'));
  assert.throws(() => parseEndpoint('70000'));
});

test('options: the seed line, bundling, long options with = and abbreviations, command stops parsing', () => {
  const o = parseProcservArgs(['-f', '-L', '-', '-i', '^D^C', '-n', 'ioc1', '-I', '/run/ioc1.info', '-x', '^X', '-k', '^T', 'unix:/run/ioc1/console', './st.cmd', '-k', 'x'], {});
  assert.equal(o.foreground, true);
  assert.equal(o.logfile, '-');
  assert.deepEqual(o.ignore, [4, 3]);
  assert.equal(o.logoutCmd, 0x18);
  assert.equal(o.killCmd, 0x14);
  assert.equal(o.toggleCmd, 0x14);
  assert.deepEqual(o.command, ['./st.cmd', '-k', 'x']);
  const p = parseProcservArgs(['-fqw', '--holdoff=3', '--noauto', '--logstamp', '--timefmt', '%T', '-P', '2000', 'cmd'], { PROCSERV_PID: '/tmp/p' });
  assert.equal(p.quiet && p.wait && !p.autoRestart, true);
  assert.equal(p.holdoff, 3);
  assert.equal(p.logstamp, '[%T] ');
  assert.equal(p.pidFile, '/tmp/p');
  assert.deepEqual(p.command, ['cmd']);
  assert.throws(() => parseProcservArgs(['-f', '2000'], {}), /missing command/);
});

test('escape key: ^] . detaches, ^] ^] sends one ^], state kept across chunks', () => {
  const f = new EscapeFilter(0x1d);
  assert.deepEqual(f.feed(Buffer.from('ab\x1d')), { send: Buffer.from('ab'), detach: false, help: false });
  assert.deepEqual(f.feed(Buffer.from('\x1dc\x1dx')), { send: Buffer.from('\x1dc\x1dx'), detach: false, help: false });
  assert.equal(f.feed(Buffer.from('\x1d.')).detach, true);
});
