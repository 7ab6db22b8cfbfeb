/**
 * One upload per distinct file per run: a batch of scripts for one portrait sends the portrait to fal
 * storage once and reuses its URL for every item. Files are told apart by content, never by name:
 * the same stored binary id, or the same size and SHA-256. Only files of equal size are hashed, and
 * items that run at once share the upload in flight.
 */
import { createHash } from 'node:crypto';

import { closeStream } from './http';
import type { UploadSource } from './storage';

export interface FileUploader {
	/** Uploads the file (or reuses an earlier upload of the same content) and returns its fal URL. */
	upload(source: UploadSource): Promise<string>;
}

interface Entry {
	source: UploadSource;
	url: Promise<string>;
	sha256?: Promise<string>;
}

export class ReusedUploads implements FileUploader {
	private readonly byId = new Map<string, Promise<string>>();
	private readonly bySize = new Map<number, Entry[]>();

	constructor(private readonly storage: FileUploader) {}

	/** Everything up to the map updates runs synchronously, so items started together see each other. */
	upload(source: UploadSource): Promise<string> {
		const known = source.contentId !== undefined ? this.byId.get(source.contentId) : undefined;
		if (known) return known;
		const sameSize = [...(this.bySize.get(source.size) ?? [])];
		const entry: Entry = { source, url: Promise.resolve('') };
		entry.url = sameSize.length === 0 ? this.storage.upload(source) : this.uploadUnlessEqual(entry, sameSize);
		this.bySize.set(source.size, [...sameSize, entry]);
		if (source.contentId !== undefined) this.byId.set(source.contentId, entry.url);
		// A failed upload is not reused: the next item with this file tries again.
		entry.url.catch(() => this.forget(entry));
		return entry.url;
	}

	private async uploadUnlessEqual(entry: Entry, earlier: Entry[]): Promise<string> {
		const mine = await hashOf(entry);
		for (const other of earlier) {
			if (sameId(entry.source, other.source) || (await hashOf(other)) === mine) return await other.url;
		}
		return await this.storage.upload(entry.source);
	}

	private forget(entry: Entry): void {
		const list = this.bySize.get(entry.source.size)?.filter((e) => e !== entry) ?? [];
		this.bySize.set(entry.source.size, list);
		if (entry.source.contentId !== undefined && this.byId.get(entry.source.contentId) === entry.url) {
			this.byId.delete(entry.source.contentId);
		}
	}
}

function sameId(a: UploadSource, b: UploadSource): boolean {
	return a.contentId !== undefined && a.contentId === b.contentId;
}

function hashOf(entry: Entry): Promise<string> {
	entry.sha256 ??= sha256Of(entry.source);
	return entry.sha256;
}

async function sha256Of(source: UploadSource): Promise<string> {
	const hash = createHash('sha256');
	const body = await source.open();
	if (Buffer.isBuffer(body)) return hash.update(body).digest('hex');
	try {
		for await (const chunk of body) hash.update(chunk);
	} finally {
		closeStream(body);
	}
	return hash.digest('hex');
}
