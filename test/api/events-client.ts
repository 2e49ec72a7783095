// A Server-Sent Events client for the event stream tests and bench/events.ts: an incremental
// parser that follows WHATWG HTML §9.2.6 "Interpreting an event stream" (fields, comments, the
// last event ID buffer, dispatch rules), over a plain node:http GET so a test can pause it,
// cut it, and resume with Last-Event-ID like an EventSource would.

import http from 'node:http';
import { EventEmitter } from 'node:events';

export interface SseMessage {
  /** The last event ID after this event (its own `id:`, or the one before it). */
  id: string;
  type: string;
  data: string;
}

/** Feeds on chunks of the stream; calls back per dispatched event and per comment. */
export class SseParser {
  lastEventId = '';
  /** The last event ID after the first block (this stream's preamble: where the client joined). */
  firstId: string | undefined;
  retry: number | undefined;
  private decoder = new TextDecoder('utf-8');
  private carry = '';
  private first = true;
  private data = '';
  private type = '';
  private idBuffer = '';

  constructor(
    private readonly onEvent: (m: SseMessage) => void,
    private readonly onComment: (text: string) => void = () => {},
  ) {}

  push(chunk: Uint8Array): void {
    let text = this.carry + this.decoder.decode(chunk, { stream: true });
    if (this.first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.first = false;
    }
    // Lines end in CRLF, LF or CR; a CR at the very end may be the first half of a CRLF.
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      if (ch !== 10 && ch !== 13) continue;
      if (ch === 13 && i === text.length - 1) break;
      this.line(text.slice(start, i));
      if (ch === 13 && text.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
    }
    this.carry = text.slice(start);
  }

  private line(line: string): void {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return this.onComment(line.slice(1).trimStart());
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.type = value;
    else if (field === 'data') this.data += value + '\n';
    else if (field === 'id' && !value.includes('\0')) this.idBuffer = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retry = Number(value);
  }

  private dispatch(): void {
    this.lastEventId = this.idBuffer;
    this.firstId ??= this.lastEventId;
    if (this.data === '') {
      this.type = '';
      return;
    }
    const m: SseMessage = { id: this.lastEventId, type: this.type || 'message', data: this.data.slice(0, -1) };
    this.data = '';
    this.type = '';
    this.onEvent(m);
  }
}

export interface ConnectOptions {
  lastEventId?: string;
  headers?: Record<string, string>;
  /** Called with each event as it is parsed (before it is stored), e.g. to time its arrival. */
  onEvent?: (m: SseMessage) => void;
  /** Keep no copy of the events (long runs): only `count` and `parser.lastEventId`. */
  keep?: boolean;
  agent?: http.Agent;
}

/** One open stream: what arrived so far, and promises to wait on what is still to come. */
export class SseClient extends EventEmitter {
  readonly events: SseMessage[] = [];
  readonly comments: string[] = [];
  count = 0;
  res: http.IncomingMessage | undefined;
  status = 0;
  headers: http.IncomingHttpHeaders = {};
  ended = false;
  readonly parser: SseParser;
  private req: http.ClientRequest | undefined;

  private constructor(private readonly opts: ConnectOptions) {
    super();
    this.setMaxListeners(0);
    this.parser = new SseParser(
      (m) => {
        this.count++;
        opts.onEvent?.(m);
        if (opts.keep !== false) this.events.push(m);
        this.emit('event', m);
      },
      (text) => {
        this.comments.push(text);
        this.emit('comment', text);
      },
    );
  }

  /**
   * Resolves once the response is in and its first bytes (for a stream: the preamble, which
   * carries the position) have been read, or it ended.
   */
  static connect(url: string, opts: ConnectOptions = {}): Promise<SseClient> {
    const c = new SseClient(opts);
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { Accept: 'text/event-stream', ...opts.headers };
      if (opts.lastEventId !== undefined) headers['Last-Event-ID'] = opts.lastEventId;
      c.req = http.get(url, { headers, ...(opts.agent && { agent: opts.agent }) }, (res) => {
        c.res = res;
        c.status = res.statusCode ?? 0;
        c.headers = res.headers;
        res.on('data', (chunk: Buffer) => {
          c.parser.push(chunk);
          resolve(c);
        });
        const end = () => {
          resolve(c);
          if (c.ended) return;
          c.ended = true;
          c.emit('end');
        };
        res.on('end', end);
        res.on('close', end);
        res.on('error', end);
        // A paused response says nothing when the server cuts the connection; the request does.
        c.req!.on('close', end);
      });
      c.req.on('error', (e) => {
        if (!c.res) reject(e);
        else if (!c.ended) {
          c.ended = true;
          c.emit('end');
        }
      });
    });
  }

  /** The seq (id) of the last event received, 0 before any. */
  get lastSeq(): number {
    return Number(this.parser.lastEventId || 0);
  }

  /** Resolves once an event satisfies `pred` (checked on past events too); rejects if the stream ends first. */
  waitFor(pred: (m: SseMessage) => boolean, what = 'an event'): Promise<SseMessage> {
    const found = this.events.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const onEvent = (m: SseMessage) => {
        if (!pred(m)) return;
        cleanup();
        resolve(m);
      };
      const onEnd = () => {
        cleanup();
        reject(new Error(`stream ended before ${what} (got ${this.count} events, last id ${this.parser.lastEventId})`));
      };
      const cleanup = () => {
        this.off('event', onEvent);
        this.off('end', onEnd);
      };
      this.on('event', onEvent);
      this.on('end', onEnd);
      if (this.ended) onEnd();
    });
  }

  /** Resolves once the event with this id (seq) or a later one arrived. */
  waitForSeq(seq: number): Promise<unknown> {
    if (this.lastSeq >= seq) return Promise.resolve();
    return this.waitFor((m) => Number(m.id) >= seq, `seq ${seq}`);
  }

  waitForComments(n: number): Promise<void> {
    if (this.comments.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.comments.length < n) return;
        cleanup();
        resolve();
      };
      const onEnd = () => {
        cleanup();
        reject(new Error(`stream ended with ${this.comments.length} comments, wanted ${n}`));
      };
      const cleanup = () => {
        this.off('comment', check);
        this.off('end', onEnd);
      };
      this.on('comment', check);
      this.on('end', onEnd);
    });
  }

  /** Resolves when the server ends or cuts the stream. */
  untilEnd(): Promise<void> {
    if (this.ended) return Promise.resolve();
    return new Promise((resolve) => this.once('end', resolve));
  }

  /** Stops reading: the socket's buffers fill and the server's writes back up. */
  pause(): void {
    this.res?.pause();
  }

  /** Reads again (a paused client notices a cut connection only once it reads up to it). */
  resume(): void {
    this.res?.resume();
  }

  /** Drops the connection, as a network failure would. */
  close(): void {
    this.req?.destroy();
  }
}
