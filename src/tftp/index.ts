// Corral's read-only TFTP server: public surface.
export { createTftpServer, type TftpServer, type TftpServerDeps, type TftpServerOptions, type TftpStats } from './server.js';
export { chainResolvers, createFileResolver, normaliseTftpPath, type FileResolverOptions, type TftpClient, type TftpResolver, type VirtualFile } from './files.js';
export { bufferSource, type TftpSource } from './source.js';
export { ErrorCode, TftpCodecError, TftpRequestError } from './codec.js';
export { DEFAULT_LIMITS } from './transfer.js';
export { TftpDispatcher } from './dispatch.js';
export { udpBind, type BindFn, type UdpSocket } from './udp.js';
