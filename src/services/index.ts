import type { AppConfig } from '../config';
import { AuthService } from './auth.service';
import { YearService } from './year.service';
import { AuditService } from './audit.service';
import { NodeService } from './node.service';

/** Stateless services, created once per process; every method takes the operation's context. */
export function createServices(config: AppConfig) {
  return {
    auth: new AuthService(config),
    year: new YearService(config),
    audit: new AuditService(config),
    node: new NodeService(),
  };
}
export type Services = ReturnType<typeof createServices>;
