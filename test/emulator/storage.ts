import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { once } from 'node:events';
import { FILES_PREFIX, UPLOAD_PREFIX } from './router';
import type { UploadRecord } from './types';

/**
 * fal's storage: initiate → signed upload URL → PUT bytes (whole, or 10 MiB parts + complete) → file_url.
 * Bytes stream to a temp directory and are hashed on the way; nothing is held whole in memory.
 */
interface PendingUpload {
	token: string;
	fileName: string;
	contentType: string;
	multipart: boolean;
	parts: Map<number, { path: string; bytes: number; etag: string }>;
}

export interface StoredFile {
	path: string;
	contentType: string;
	bytes: number;
}

export type CompleteResult = { ok: true; record: UploadRecord; fileUrl: string } | { ok: false; detail: string };

const MAX_PENDING = 1000;
const MAX_PARTS = 10_000;

export class UploadStore {
	/** Finished uploads by file_url. */
	readonly uploads = new Map<string, UploadRecord>();
	private readonly pending = new Map<string, PendingUpload>();
	/** Finished files by their path under /files/. */
	private readonly files = new Map<string, StoredFile>();
	private readonly secret = randomBytes(32);
	private directory: string | undefined;

	constructor(private readonly origin: () => string) {}

	initiate(fileName: string, contentType: string, multipart: boolean): { upload_url: string; file_url: string } {
		if (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value as string);
		const token = randomBytes(12).toString('hex');
		const safeName = basename(fileName).replace(/[^\w.\-]+/g, '_') || 'file.bin';
		this.pending.set(token, { token, fileName: safeName, contentType, multipart, parts: new Map() });
		return {
			upload_url: `${this.origin()}${UPLOAD_PREFIX}${token}?signature=${this.sign(token)}`,
			file_url: this.fileUrl(token, safeName),
		};
	}

	/** The pending upload a signed URL points at, or why not. */
	find(token: string, signature: string | null): PendingUpload | 'bad-signature' | 'unknown' {
		if (!signature || !sameText(signature, this.sign(token))) return 'bad-signature';
		return this.pending.get(token) ?? 'unknown';
	}

	async receiveWhole(upload: PendingUpload, body: Readable): Promise<UploadRecord> {
		const path = this.pathFor(`${upload.token}.whole`);
		const { bytes, sha256 } = await writeHashed(body, path);
		return this.finish(upload, path, { bytes, sha256, multipart: false, parts: 1 });
	}

	async receivePart(upload: PendingUpload, partNumber: number, body: Readable): Promise<{ partNumber: number; etag: string; bytes: number }> {
		if (upload.parts.size >= MAX_PARTS && !upload.parts.has(partNumber)) throw new Error('too many parts');
		const path = this.pathFor(`${upload.token}.part${partNumber}`);
		const { bytes, md5 } = await writeHashed(body, path);
		upload.parts.set(partNumber, { path, bytes, etag: md5 });
		return { partNumber, etag: md5, bytes };
	}

	/** Joins the listed parts in part-number order; each must exist with the etag the part upload returned. */
	async complete(upload: PendingUpload, listed: unknown): Promise<CompleteResult> {
		if (!Array.isArray(listed) || listed.length === 0) return { ok: false, detail: 'parts must be a non-empty list' };
		const order: number[] = [];
		for (const item of listed as { partNumber?: unknown; etag?: unknown }[]) {
			const part = upload.parts.get(Number(item?.partNumber));
			if (!part || part.etag !== item.etag) return { ok: false, detail: `unknown part or etag: ${JSON.stringify(item)}` };
			order.push(Number(item.partNumber));
		}
		order.sort((a, b) => a - b);
		const path = this.pathFor(`${upload.token}.joined`);
		const { bytes, sha256 } = await joinFiles(order.map((n) => upload.parts.get(n)!.path), path);
		await Promise.all([...upload.parts.values()].map((part) => rm(part.path, { force: true })));
		const record = this.finish(upload, path, { bytes, sha256, multipart: true, parts: order.length });
		return { ok: true, record, fileUrl: this.fileUrl(upload.token, upload.fileName) };
	}

	/** A finished file by its path under /files/ (e.g. `uploads/<token>/<name>`). */
	file(filesPath: string): StoredFile | undefined {
		return this.files.get(filesPath);
	}

	/** The local copy of a file_url served by this emulator, if it is one. */
	localPathOf(url: string): string | undefined {
		const prefix = `${this.origin()}${FILES_PREFIX}`;
		return url.startsWith(prefix) ? this.files.get(decodeURI(url.slice(prefix.length)))?.path : undefined;
	}

	/** A path in the emulator's temp directory (created on first use, removed by close()). */
	pathFor(name: string): string {
		this.directory ??= mkdtempSync(join(tmpdir(), 'fal-emulator-'));
		return join(this.directory, name);
	}

	close(): void {
		if (this.directory) rmSync(this.directory, { recursive: true, force: true });
		this.directory = undefined;
		this.pending.clear();
		this.files.clear();
	}

	private finish(upload: PendingUpload, path: string, result: Omit<UploadRecord, 'fileName' | 'contentType'>): UploadRecord {
		const record: UploadRecord = { fileName: upload.fileName, contentType: upload.contentType, ...result };
		this.files.set(`uploads/${upload.token}/${upload.fileName}`, { path, contentType: upload.contentType, bytes: result.bytes });
		this.uploads.set(this.fileUrl(upload.token, upload.fileName), record);
		return record;
	}

	private fileUrl(token: string, fileName: string): string {
		return `${this.origin()}${FILES_PREFIX}uploads/${token}/${encodeURIComponent(fileName)}`;
	}

	private sign(token: string): string {
		return createHmac('sha256', this.secret).update(token).digest('hex');
	}
}

/** Streams `body` to `path`, hashing on the way. */
async function writeHashed(body: Readable, path: string): Promise<{ bytes: number; sha256: string; md5: string }> {
	const sha256 = createHash('sha256');
	const md5 = createHash('md5');
	let bytes = 0;
	const hasher = new Transform({
		transform(chunk: Buffer, _encoding, callback) {
			bytes += chunk.length;
			sha256.update(chunk);
			md5.update(chunk);
			callback(null, chunk);
		},
	});
	try {
		await pipeline(body, hasher, createWriteStream(path));
	} catch (error) {
		await rm(path, { force: true });
		throw error;
	}
	return { bytes, sha256: sha256.digest('hex'), md5: md5.digest('hex') };
}

async function joinFiles(parts: string[], path: string): Promise<{ bytes: number; sha256: string }> {
	const hash = createHash('sha256');
	let bytes = 0;
	const out = createWriteStream(path);
	for (const part of parts) {
		for await (const chunk of createReadStream(part) as AsyncIterable<Buffer>) {
			hash.update(chunk);
			bytes += chunk.length;
			if (!out.write(chunk)) await once(out, 'drain');
		}
	}
	out.end();
	await once(out, 'finish');
	return { bytes, sha256: hash.digest('hex') };
}

function sameText(a: string, b: string): boolean {
	const left = Buffer.from(a);
	const right = Buffer.from(b);
	return left.length === right.length && timingSafeEqual(left, right);
}
