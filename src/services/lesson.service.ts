import type { AppConfig } from '../config';

export class LessonService {
  constructor(private readonly config: AppConfig) {}
}
