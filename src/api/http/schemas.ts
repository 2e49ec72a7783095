// Schemas shared by several routes.
import { z } from 'zod';

/** Host, site, cluster and role ids as the SoT allows them (and nothing a path could abuse). */
export const Id = z.string().min(1).max(253).regex(/^[^\s/\\\u0000-\u001f]+$/, 'no spaces, slashes or control characters');

/** A query value that may be given once or repeated (?label=a&label=b). */
export const OneOrMany = z.union([z.string().max(256), z.array(z.string().max(256)).max(32)]).transform((v) => (Array.isArray(v) ? v : [v]));

export const AnyJson = z.record(z.string(), z.unknown());
