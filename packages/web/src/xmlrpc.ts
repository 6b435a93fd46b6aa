/**
 * XML-RPC on the wire: parsing a <methodCall> (with fast-xml-parser) and writing a
 * <methodResponse> or <fault> the way Python's xmlrpc.client (supervisorctl) reads them.
 */
import { XMLParser } from 'fast-xml-parser';
import { errnoError } from '@svkit/diag';
import { XMLRPC_MAX_DEPTH } from './limits.js';

/** An XML-RPC value. */
export type RpcValue = string | number | boolean | RpcValue[] | { [k: string]: RpcValue };

/** A fault to send back (HTTP 200, <fault>). */
export class RpcFault extends Error {
  constructor(readonly faultCode: number, readonly faultString: string) {
    super(faultString);
  }
}

type Node = Record<string, unknown>;
// maxNestedTags: decodeValue recurses once per level
const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: true, parseTagValue: false, trimValues: false, processEntities: true, maxNestedTags: XMLRPC_MAX_DEPTH });

const tagOf = (n: Node): string | undefined => Object.keys(n).find((k) => k !== ':@');
const kids = (n: Node): Node[] => (n[tagOf(n)!] as Node[]) ?? [];
const elements = (list: Node[]): Node[] => list.filter((n) => tagOf(n) !== '#text');
const text = (list: Node[]): string => list.map((n) => (tagOf(n) === '#text' ? String(n['#text']) : '')).join('');
const child = (list: Node[], tag: string): Node | undefined => list.find((n) => tagOf(n) === tag);

function bad(msg: string): Error {
  return errnoError('EBADMSG', msg);
}

function decodeValue(v: Node): RpcValue {
  const inner = elements(kids(v));
  if (inner.length === 0) return text(kids(v)); // bare <value>text</value> is a string
  const n = inner[0]!;
  const tag = tagOf(n)!;
  const body = kids(n);
  switch (tag) {
    case 'string':
      return text(body);
    case 'int':
    case 'i4':
    case 'i8': {
      const s = text(body).trim();
      if (!/^[+-]?\d{1,15}$/.test(s)) throw bad(`bad int: ${s.slice(0, 20)}`);
      return Number(s);
    }
    case 'boolean':
      return text(body).trim() === '1';
    case 'double':
      return Number(text(body).trim());
    case 'array': {
      const data = child(elements(body), 'data');
      return data ? elements(kids(data)).filter((x) => tagOf(x) === 'value').map(decodeValue) : [];
    }
    case 'struct': {
      const o: { [k: string]: RpcValue } = {};
      for (const m of elements(body)) {
        if (tagOf(m) !== 'member') continue;
        const name = child(kids(m), 'name');
        const value = child(kids(m), 'value');
        if (name && value) o[text(kids(name))] = decodeValue(value);
      }
      return o;
    }
    default:
      throw bad(`unsupported type <${tag}>`);
  }
}

/** Parses a <methodCall>; throws EBADMSG when it is not one. Entity declarations are refused. */
export function parseCall(xml: string): { method: string; params: RpcValue[] } {
  if (/<!(DOCTYPE|ENTITY)/i.test(xml)) throw bad('DOCTYPE not allowed');
  let doc: Node[];
  try {
    doc = parser.parse(xml) as Node[];
  } catch (e) {
    throw bad(`not XML: ${(e as Error).message}`);
  }
  const call = child(doc, 'methodCall');
  if (!call) throw bad('no methodCall');
  const name = child(kids(call), 'methodName');
  if (!name) throw bad('no methodName');
  const params = child(kids(call), 'params');
  const list = params ? elements(kids(params)).filter((p) => tagOf(p) === 'param') : [];
  return {
    method: text(kids(name)).trim(),
    params: list.map((p) => {
      const v = child(kids(p), 'value');
      if (!v) throw bad('param without value');
      return decodeValue(v);
    }),
  };
}

// XML 1.0 forbids most C0 controls (ESC from ANSI colours breaks supervisorctl's expat): replaced by U+FFFD
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/g;

/** Text made safe for an XML 1.0 document. */
export function xmlText(s: string): string {
  return s.replace(FORBIDDEN, '\ufffd').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function encodeValue(v: RpcValue): string {
  if (typeof v === 'string') return `<value><string>${xmlText(v)}</string></value>`;
  if (typeof v === 'boolean') return `<value><boolean>${v ? 1 : 0}</boolean></value>`;
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return `<value><int>${Math.max(-0x80000000, Math.min(0x7fffffff, v))}</int></value>`;
    return `<value><double>${v}</double></value>`;
  }
  if (Array.isArray(v)) return `<value><array><data>${v.map(encodeValue).join('')}</data></array></value>`;
  const members = Object.entries(v).map(([k, x]) => `<member><name>${xmlText(k)}</name>${encodeValue(x)}</member>`);
  return `<value><struct>${members.join('')}</struct></value>`;
}

/** A <methodResponse> holding `v`. */
export function encodeResponse(v: RpcValue): string {
  return `<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n${encodeValue(v)}\n</param>\n</params>\n</methodResponse>\n`;
}

/** A <methodResponse> holding a fault. */
export function encodeFault(f: RpcFault): string {
  return `<?xml version='1.0'?>\n<methodResponse>\n<fault>\n${encodeValue({ faultCode: f.faultCode, faultString: f.faultString })}\n</fault>\n</methodResponse>\n`;
}
