/**
 * Input validation of fal-ai/stable-avatar, shaped like fal's FastAPI/pydantic 422 answers:
 * `{detail: [{loc: ['body', field], msg, type, ctx?}]}`. All errors are reported at once, as pydantic does.
 */
export interface FieldError {
	loc: (string | number)[];
	msg: string;
	type: string;
	ctx?: Record<string, unknown>;
}

const ASPECT_RATIOS = ['16:9', '1:1', '9:16', 'auto'];
const REQUIRED_STRINGS = ['image_url', 'audio_url', 'prompt'];
const NUMBER_RANGES: { field: string; ge: number; le: number; integer: boolean }[] = [
	{ field: 'guidance_scale', ge: 1, le: 10, integer: false },
	{ field: 'audio_guidance_scale', ge: 0, le: 10, integer: false },
	{ field: 'num_inference_steps', ge: 10, le: 50, integer: true },
	{ field: 'perturbation', ge: 0, le: 1, integer: false },
];

export function validateStableAvatarInput(input: unknown): FieldError[] {
	if (typeof input !== 'object' || input === null || Array.isArray(input)) {
		return [{ loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', type: 'model_attributes_type' }];
	}
	const body = input as Record<string, unknown>;
	const errors: FieldError[] = [];
	for (const field of REQUIRED_STRINGS) {
		const error = checkRequiredString(field, body[field]);
		if (error) errors.push(error);
	}
	const aspectRatio = body.aspect_ratio;
	if (aspectRatio !== undefined && !ASPECT_RATIOS.includes(aspectRatio as string)) {
		const expected = "'16:9', '1:1', '9:16' or 'auto'";
		errors.push({ loc: ['body', 'aspect_ratio'], msg: `Input should be ${expected}`, type: 'enum', ctx: { expected } });
	}
	for (const range of NUMBER_RANGES) {
		const error = checkNumber(range.field, body[range.field], range.integer, range.ge, range.le);
		if (error) errors.push(error);
	}
	if (body.seed !== undefined && body.seed !== null) {
		const error = checkNumber('seed', body.seed, true);
		if (error) errors.push(error);
	}
	return errors;
}

function checkRequiredString(field: string, value: unknown): FieldError | undefined {
	if (value === undefined) return { loc: ['body', field], msg: 'Field required', type: 'missing' };
	if (typeof value !== 'string') return { loc: ['body', field], msg: 'Input should be a valid string', type: 'string_type' };
	return undefined;
}

function checkNumber(field: string, value: unknown, integer: boolean, ge?: number, le?: number): FieldError | undefined {
	if (value === undefined) return undefined;
	const loc = ['body', field];
	if (typeof value !== 'number' || !Number.isFinite(value)) {
		return integer
			? { loc, msg: 'Input should be a valid integer', type: 'int_type' }
			: { loc, msg: 'Input should be a valid number', type: 'float_type' };
	}
	if (integer && !Number.isInteger(value)) {
		return { loc, msg: 'Input should be a valid integer, got a number with a fractional part', type: 'int_from_float' };
	}
	if (ge !== undefined && value < ge) {
		return { loc, msg: `Input should be greater than or equal to ${ge}`, type: 'greater_than_equal', ctx: { ge } };
	}
	if (le !== undefined && value > le) {
		return { loc, msg: `Input should be less than or equal to ${le}`, type: 'less_than_equal', ctx: { le } };
	}
	return undefined;
}
