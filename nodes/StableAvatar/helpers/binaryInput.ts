/**
 * n8n binary data in: finds the file on the item, checks it is the right kind of media and not empty,
 * and hands the transport a way to read it as a stream (from n8n's binary storage) or a buffer.
 */
import { BINARY_ENCODING, type IBinaryData, type IExecuteFunctions } from 'n8n-workflow';

import type { UploadSource } from '../transport/storage';
import { invalidInput } from './validation';

export type MediaKind = 'image' | 'audio';

/** Files often arrive as application/octet-stream; their extension then tells what they are. */
const EXTENSION_TYPES: Record<string, string> = {
	png: 'image/png',
	jpg: 'image/jpeg',
	jpeg: 'image/jpeg',
	webp: 'image/webp',
	gif: 'image/gif',
	mp3: 'audio/mpeg',
	wav: 'audio/wav',
	m4a: 'audio/mp4',
	aac: 'audio/aac',
	ogg: 'audio/ogg',
	flac: 'audio/flac',
	opus: 'audio/opus',
};

export async function binaryUploadSource(
	ctx: IExecuteFunctions,
	itemIndex: number,
	propertyName: string,
	kind: MediaKind,
): Promise<UploadSource> {
	const label = kind === 'image' ? 'Image' : 'Audio';
	const binary = ctx.getInputData()[itemIndex]?.binary?.[propertyName];
	if (!binary) {
		const available = Object.keys(ctx.getInputData()[itemIndex]?.binary ?? {});
		throw invalidInput(
			ctx,
			itemIndex,
			`${label} Input Binary Field "${propertyName}"`,
			'is not on the item',
			available.length > 0
				? `The item has these binary fields: ${available.join(', ')}. Set ${label} Input Binary Field to one of them.`
				: `The item has no binary data. Make sure an earlier node outputs the ${kind} file, or use a URL instead.`,
		);
	}
	const contentType = mediaType(binary);
	if (!contentType.startsWith(`${kind}/`)) {
		const other = kind === 'image' ? 'audio' : 'image';
		const hint = contentType.startsWith(`${other}/`)
			? `It is ${other === 'image' ? 'an image' : 'audio'}: are the image and audio fields swapped?`
			: `Give ${kind === 'image' ? 'an image (PNG, JPEG, WebP)' : 'an audio file (MP3, WAV, M4A…)'}.`;
		throw invalidInput(ctx, itemIndex, `${label} Input Binary Field "${propertyName}"`, `holds ${contentType}, not ${kind}`, hint);
	}
	const size = await binarySize(ctx, binary);
	if (size === 0) {
		throw invalidInput(ctx, itemIndex, `${label} Input Binary Field "${propertyName}"`, 'is empty (0 bytes)', `Check the node that produced the ${kind} file.`);
	}
	const fileName = binary.fileName ?? `${kind}.${binary.fileExtension ?? 'bin'}`;
	return {
		fileName,
		contentType,
		size,
		contentId: binary.id,
		// Stored binaries are streamed; inline ones are small by nature (n8n keeps large files in storage).
		open: async () => (binary.id ? await ctx.helpers.getBinaryStream(binary.id) : Buffer.from(binary.data, BINARY_ENCODING)),
	};
}

function mediaType(binary: IBinaryData): string {
	const declared = (binary.mimeType ?? '').toLowerCase().split(';')[0].trim();
	if (declared && declared !== 'application/octet-stream') return declared;
	const extension = (binary.fileExtension ?? binary.fileName?.split('.').pop() ?? '').toLowerCase();
	return EXTENSION_TYPES[extension] ?? (declared || 'application/octet-stream');
}

async function binarySize(ctx: IExecuteFunctions, binary: IBinaryData): Promise<number> {
	if (binary.id) return (await ctx.helpers.getBinaryMetadata(binary.id)).fileSize;
	return Buffer.byteLength(binary.data, BINARY_ENCODING);
}
