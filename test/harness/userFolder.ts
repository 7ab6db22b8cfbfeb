/**
 * n8n-core reads its user folder when first loaded, so this module must be imported before
 * anything that loads n8n-core: it points N8N_USER_FOLDER at a fresh temporary folder.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

if (!process.env.N8N_USER_FOLDER) {
	process.env.N8N_USER_FOLDER = mkdtempSync(join(tmpdir(), 'stable-avatar-n8n-'));
}
process.env.N8N_DIAGNOSTICS_ENABLED ??= 'false';

export const userFolder = process.env.N8N_USER_FOLDER;
