/**
 * Files served by the fal emulator's CDN, for tests that give the node an audio *URL*: uploaded
 * through the emulator's own storage API (on 127.0.0.1), then the log is cleared so a test sees only
 * what the node itself asked for.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

import type { LocalFalEmulator } from '../emulator';
import { TEST_API_KEY } from './fal';

export async function hostFile(fal: LocalFalEmulator, path: string, contentType: string): Promise<string> {
	const initiate = await fetch(`${fal.url}/storage/upload/initiate?storage_type=fal-cdn-v3`, {
		method: 'POST',
		headers: { Authorization: `Key ${TEST_API_KEY}`, 'Content-Type': 'application/json' },
		body: JSON.stringify({ content_type: contentType, file_name: basename(path) }),
	});
	const { upload_url: uploadUrl, file_url: fileUrl } = (await initiate.json()) as { upload_url: string; file_url: string };
	const put = await fetch(uploadUrl, { method: 'PUT', headers: { 'Content-Type': contentType }, body: readFileSync(path) });
	if (!put.ok) throw new Error(`hosting ${path} on the emulator failed: ${put.status}`);
	fal.log.length = 0;
	fal.uploads.clear();
	return fileUrl;
}

/** A PCM WAV of `seconds` of silence (8 kHz, mono, 8-bit: 8,000 bytes a second). */
export function silentWav(seconds: number): Buffer {
	const rate = 8000;
	const dataBytes = Math.round(seconds * rate);
	const header = Buffer.alloc(44);
	header.write('RIFF', 0, 'latin1');
	header.writeUInt32LE(36 + dataBytes, 4);
	header.write('WAVEfmt ', 8, 'latin1');
	header.writeUInt32LE(16, 16);
	header.writeUInt16LE(1, 20); // PCM
	header.writeUInt16LE(1, 22); // mono
	header.writeUInt32LE(rate, 24);
	header.writeUInt32LE(rate, 28); // bytes per second
	header.writeUInt16LE(1, 32); // block align
	header.writeUInt16LE(8, 34); // bits per sample
	header.write('data', 36, 'latin1');
	header.writeUInt32LE(dataBytes, 40);
	return Buffer.concat([header, Buffer.alloc(dataBytes, 0x80)]);
}
