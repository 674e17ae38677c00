/**
 * Sending a batch of syslog messages, and knowing it arrived.
 *
 * TCP and TLS (RFC 6587 / RFC 5425) have no acknowledgement of their own, and a write that
 * succeeded only means the bytes reached this machine's kernel. So each batch goes over a
 * connection of its own: the messages are written (octet-counted), this side is closed, and the
 * batch counts as delivered only when the receiver closes its side in turn, without an error. A
 * receiver closes only after it has read everything before our close (TCP resets a connection
 * closed with unread data, and that is an error here), so a receiver that went away, crashed or
 * stopped reading half-way leaves the batch unconfirmed, and it is sent again (at least once).
 * The price is one connection (and TLS handshake) per batch: a few a second at most.
 *
 * UDP (RFC 5426) has no such thing: a datagram sent is a datagram hoped for (best effort).
 */
import { lookup } from 'node:dns/promises';
import { createSocket } from 'node:dgram';
import { connect as tcpConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { octetCounted } from './format.js';

export type SyslogTransportKind = 'tls' | 'tcp' | 'udp';

export interface TransportOptions {
  transport: SyslogTransportKind;
  host: string;
  port: number;
  /** PEM: the CA(s) the receiver's certificate must chain to (tls); default the system CAs. */
  ca?: string | undefined;
  /** How long connecting (and the TLS handshake) may take. Default 10 s. */
  connectTimeoutMs?: number;
  /** How long the receiver may take to confirm, once the batch is written. Default 10 s. */
  confirmTimeoutMs?: number;
}

/** Why a batch was not confirmed: the receiver could not be reached, its certificate was refused, or it did not confirm. */
export type DeliveryFailure = 'unreachable' | 'tls' | 'unconfirmed';

export class SyslogDeliveryError extends Error {
  constructor(readonly kind: DeliveryFailure, message: string, readonly code?: string | undefined) {
    super(message);
  }
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_|ERR_SSL|ERR_TLS|HOSTNAME|ALTNAME/;

function failure(err: NodeJS.ErrnoException, connected: boolean): SyslogDeliveryError {
  const code = err.code;
  if (code && TLS_CODES.test(code)) return new SyslogDeliveryError('tls', `TLS refused: ${err.message}`, code);
  return new SyslogDeliveryError(connected ? 'unconfirmed' : 'unreachable', err.message, code);
}

/**
 * Sends the messages; resolves when the receiver confirmed them (tcp, tls) or they were sent
 * (udp); rejects with a SyslogDeliveryError otherwise, or at once when `signal` aborts.
 */
export function deliver(o: TransportOptions, messages: readonly Buffer[], signal?: AbortSignal): Promise<void> {
  if (o.transport === 'udp') return sendDatagrams(o, messages);
  return sendConfirmed(o, messages, signal);
}

function openStream(o: TransportOptions): Socket {
  if (o.transport === 'tcp') return tcpConnect({ host: o.host, port: o.port });
  // SNI takes a name, never an address (RFC 6066); the certificate is checked against the host either way
  return tlsConnect({ host: o.host, port: o.port, ca: o.ca, servername: isIP(o.host) ? undefined : o.host, minVersion: 'TLSv1.2' });
}

function sendConfirmed(o: TransportOptions, messages: readonly Buffer[], signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    let connected = false;
    let written = false;
    let peerEnded = false;
    let settled = false;
    const socket = openStream(o);
    const settle = (err?: SyslogDeliveryError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    const expire = () => settle(new SyslogDeliveryError(written ? 'unconfirmed' : 'unreachable', written ? 'the receiver did not confirm in time' : 'connecting timed out'));
    let timer = setTimeout(expire, o.connectTimeoutMs ?? 10_000);
    const onAbort = () => settle(new SyslogDeliveryError('unconfirmed', 'stopped before the receiver confirmed'));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort);
    socket.once(o.transport === 'tls' ? 'secureConnect' : 'connect', () => {
      connected = true;
      clearTimeout(timer);
      timer = setTimeout(expire, o.confirmTimeoutMs ?? 10_000);
      socket.write(Buffer.concat(messages.map(octetCounted)));
      written = true;
      socket.end();
    });
    // a syslog receiver sends nothing; reading is how its close is seen
    socket.on('data', () => undefined);
    socket.on('end', () => {
      peerEnded = true;
    });
    socket.on('error', (err: NodeJS.ErrnoException) => settle(failure(err, connected)));
    socket.on('close', (hadError) => {
      if (written && peerEnded && !hadError) settle();
      else settle(new SyslogDeliveryError(connected ? 'unconfirmed' : 'unreachable', 'the receiver closed the connection before confirming'));
    });
  });
}

async function sendDatagrams(o: TransportOptions, messages: readonly Buffer[]): Promise<void> {
  let address = o.host;
  let family = isIP(o.host);
  if (!family) {
    try {
      ({ address, family } = await lookup(o.host));
    } catch (err) {
      throw failure(err as NodeJS.ErrnoException, false);
    }
  }
  const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
  try {
    for (const m of messages) {
      await new Promise<void>((resolve, reject) => socket.send(m, o.port, address, (err) => (err ? reject(failure(err, false)) : resolve())));
    }
  } finally {
    socket.close();
  }
}
