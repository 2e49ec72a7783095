// Until token auth exists, mutations answer only requests from this machine (loopback).
import type { RequestHandler } from 'express';
import { ApplianceError } from '../model/index.js';

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

export const loopbackOnly: RequestHandler = (req, _res, next) => {
  if (isLoopback(req.socket.remoteAddress)) return next();
  next(new ApplianceError('FORBIDDEN', 'this operation is allowed only from the appliance itself (loopback) until API tokens are configured'));
};
