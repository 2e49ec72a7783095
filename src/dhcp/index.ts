// The DHCP module's public surface: codec, options, accessors, PXE options, replies, boot decision;
// and the service on top: responder (pure policy), lease table, subnet selection, socket server.
export * from './codec.js';
export * from './options.js';
export * from './packet.js';
export * from './client-options.js';
export * from './pxe-vendor.js';
export * from './reply.js';
export * from './pxe.js';
export * from './subnets.js';
export * from './reply-options.js';
export * from './leases.js';
export * from './responder.js';
export * from './server.js';
export * from './sockets.js';
