/** Reads the model parameters of one item into fal's request shape, checking every value first. */
import type { StableAvatarInput } from '@fal-ai/client/endpoints';
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { ASPECT_RATIOS, NUMBER_RANGES, type NumberOption } from '../descriptions/modelInput';
import type { UploadSource } from '../transport/storage';
import type { FileUploader } from '../transport/uploadReuse';
import { binaryUploadSource, type MediaKind } from './binaryInput';
import { isToolRun } from './toolMode';
import { checkedChoice, checkedNumber, checkedText, checkedUrl } from './validation';

/** What fal receives. Typed against the official client's input type so a renamed field fails to compile. */
export type StableAvatarRequest = StableAvatarInput & { image_url: string; audio_url: string };

/** A media input is either a URL already, or a file still to be uploaded; `field` names where it came from. */
export type MediaInput = ({ url: string } | { upload: UploadSource }) & { field: string };

export interface ModelInput {
	image: MediaInput;
	audio: MediaInput;
	/** Everything but the two media URLs, which exist only once uploads are done. */
	parameters: Omit<StableAvatarRequest, 'image_url' | 'audio_url'>;
	/** The audio's duration in seconds, when the estimate phase could read it. */
	audioSeconds?: number;
}

export async function readModelInput(ctx: IExecuteFunctions, itemIndex: number): Promise<ModelInput> {
	const image = await readMedia(ctx, itemIndex, 'image');
	const audio = await readMedia(ctx, itemIndex, 'audio');
	const prompt = checkedText(ctx, itemIndex, ctx.getNodeParameter('prompt', itemIndex), 'Prompt');
	const aspectRatio = checkedChoice(ctx, itemIndex, ctx.getNodeParameter('aspectRatio', itemIndex, 'auto'), 'Aspect Ratio', ASPECT_RATIOS);
	const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const parameters: ModelInput['parameters'] = { prompt, aspect_ratio: aspectRatio };
	for (const option of Object.keys(NUMBER_RANGES) as NumberOption[]) {
		// Unset, or an emptied number field in the editor (null): fal's default, for Seed a random one.
		if (options[option] === undefined || options[option] === null) continue;
		const rule = NUMBER_RANGES[option];
		parameters[rule.field] = checkedNumber(ctx, itemIndex, options[option], rule);
	}
	return { image, audio, parameters };
}

async function readMedia(ctx: IExecuteFunctions, itemIndex: number, kind: MediaKind): Promise<MediaInput> {
	const label = kind === 'image' ? 'Image' : 'Audio';
	// As an AI Agent's tool, inputs are URLs: a model passes only text (see descriptions/toolMode.ts).
	const source = isToolRun(ctx)
		? 'url'
		: checkedChoice(ctx, itemIndex, ctx.getNodeParameter(`${kind}Source`, itemIndex), `${label} Source`, ['url', 'binary'] as const);
	if (source === 'url') {
		return { url: checkedUrl(ctx, itemIndex, ctx.getNodeParameter(`${kind}Url`, itemIndex), `${label} URL`), field: `${label} URL` };
	}
	const property = checkedText(ctx, itemIndex, ctx.getNodeParameter(`${kind}BinaryProperty`, itemIndex), `${label} Input Binary Field`);
	return { upload: await binaryUploadSource(ctx, itemIndex, property, kind), field: `${label} Input Binary Field "${property}"` };
}

/** Uploads what needs uploading (image and audio at once) and returns the request fal gets. */
export async function toFalRequest(input: ModelInput, storage: FileUploader): Promise<StableAvatarRequest> {
	const [imageUrl, audioUrl] = await Promise.all([urlOf(input.image, storage), urlOf(input.audio, storage)]);
	return { image_url: imageUrl, audio_url: audioUrl, ...input.parameters };
}

async function urlOf(media: MediaInput, storage: FileUploader): Promise<string> {
	return 'url' in media ? media.url : await storage.upload(media.upload);
}
