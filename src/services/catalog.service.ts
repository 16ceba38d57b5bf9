import type { AppConfig } from '../config';

/** Catalog service. */
export class CatalogService {
  constructor(private readonly config: AppConfig) {}
}
