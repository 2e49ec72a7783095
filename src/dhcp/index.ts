// The DHCP module's public surface: codec, options, accessors, PXE options, replies, boot decision.
export * from './codec.js';
export * from './options.js';
export * from './packet.js';
export * from './client-options.js';
export * from './pxe-vendor.js';
export * from './reply.js';
export * from './pxe.js';
