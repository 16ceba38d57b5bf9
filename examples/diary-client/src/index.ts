export { createDiaryClient, CloseCodes } from './client';
export type { DiaryClient, DiaryClientOptions, DiaryClientError, DiaryEvent, EventStream } from './client';
