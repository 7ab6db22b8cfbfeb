/**
 * fal storage: inputs that arrive as n8n binary data are uploaded here and passed to the model by URL.
 * Small files go up in one PUT; files over 90 MiB in 10 MiB parts, so memory stays bounded.
 * The upload URL is signed: it is called without the API key.
 */
import { FalProtocolError, falApiErrorFrom, parseJsonObject } from './errors';
import type { ByteStream, FalHttp, FalHttpResponse } from './http';
import { withRetry, WRITE_POLICY } from './retry';
import { isHttpUrl } from './urls';

const MiB = 1024 * 1024;
export const MULTIPART_THRESHOLD_BYTES = 90 * MiB;
export const PART_BYTES = 10 * MiB;

export interface UploadSource {
	fileName: string;
	contentType: string;
	size: number;
	/** Names the content for good (n8n's stored binary id): equal ids are equal files. */
	contentId?: string;
	/** Opens the bytes afresh, so a failed attempt can be sent again. */
	open(): Promise<Buffer | ByteStream>;
}

interface UploadTarget {
	uploadUrl: string;
	fileUrl: string;
}

export class FalStorage {
	constructor(
		private readonly http: FalHttp,
		private readonly storageOrigin: string,
	) {}

	/** Uploads the file and returns the URL fal's models can read it from. */
	async upload(source: UploadSource): Promise<string> {
		return source.size > MULTIPART_THRESHOLD_BYTES ? await this.uploadInParts(source) : await this.uploadWhole(source);
	}

	private async uploadWhole(source: UploadSource): Promise<string> {
		const target = await this.initiate('initiate', source);
		await withRetry(WRITE_POLICY, this.http.signal, async () => {
			const response = await this.http.anonymous({
				method: 'PUT',
				url: target.uploadUrl,
				headers: { 'Content-Type': source.contentType, 'Content-Length': String(source.size) },
				body: await source.open(),
			});
			expectSuccess(response, 'Uploading the file');
		});
		return target.fileUrl;
	}

	private async uploadInParts(source: UploadSource): Promise<string> {
		const target = await this.initiate('initiate-multipart', source);
		const { origin, pathname, search } = new URL(target.uploadUrl);
		const parts: Array<{ partNumber: number; etag: string }> = [];
		let partNumber = 0;
		for await (const part of chunksOf(await source.open(), PART_BYTES)) {
			partNumber++;
			const url = `${origin}${pathname}/${partNumber}${search}`;
			const answer = await withRetry(WRITE_POLICY, this.http.signal, async () => {
				const response = await this.http.anonymous({
					method: 'PUT',
					url,
					headers: { 'Content-Type': source.contentType },
					body: part,
				});
				expectSuccess(response, `Uploading part ${partNumber}`);
				return response;
			});
			const etag = parseJsonObject(String(answer.body))?.etag ?? answer.headers.etag;
			if (typeof etag !== 'string') throw new FalProtocolError(`fal storage sent no etag for part ${partNumber}`);
			parts.push({ partNumber, etag });
		}
		await withRetry(WRITE_POLICY, this.http.signal, async () => {
			const response = await this.http.anonymous({
				method: 'POST',
				url: `${origin}${pathname}/complete${search}`,
				json: { parts },
			});
			expectSuccess(response, 'Completing the upload');
		});
		return target.fileUrl;
	}

	private async initiate(kind: 'initiate' | 'initiate-multipart', source: UploadSource): Promise<UploadTarget> {
		const answer = await withRetry(WRITE_POLICY, this.http.signal, async () => {
			const response = await this.http.api({
				method: 'POST',
				url: `${this.storageOrigin}/storage/upload/${kind}?storage_type=fal-cdn-v3`,
				json: { content_type: source.contentType, file_name: source.fileName },
			});
			expectSuccess(response, 'Starting the upload');
			return parseJsonObject(String(response.body));
		});
		const uploadUrl = answer?.upload_url;
		const fileUrl = answer?.file_url;
		if (typeof uploadUrl !== 'string' || !isHttpUrl(uploadUrl) || typeof fileUrl !== 'string' || !isHttpUrl(fileUrl)) {
			throw new FalProtocolError('fal storage did not answer with an upload URL and a file URL');
		}
		return { uploadUrl, fileUrl };
	}
}

function expectSuccess(response: FalHttpResponse, action: string): void {
	if (response.status < 200 || response.status >= 300) {
		throw falApiErrorFrom(response.status, response.headers, typeof response.body === 'string' ? response.body : '', action);
	}
}

/** Re-slices a byte stream into parts of exactly `size` bytes (the last one may be shorter). */
export async function* chunksOf(source: Buffer | ByteStream, size: number): AsyncGenerator<Buffer> {
	if (Buffer.isBuffer(source)) {
		for (let offset = 0; offset < source.length; offset += size) yield source.subarray(offset, offset + size);
		return;
	}
	let pending: Buffer[] = [];
	let pendingBytes = 0;
	for await (const chunk of source) {
		pending.push(Buffer.from(chunk));
		pendingBytes += chunk.length;
		while (pendingBytes >= size) {
			const joined = Buffer.concat(pending);
			yield joined.subarray(0, size);
			const rest = joined.subarray(size);
			pending = rest.length > 0 ? [rest] : [];
			pendingBytes = rest.length;
		}
	}
	if (pendingBytes > 0) yield Buffer.concat(pending);
}
