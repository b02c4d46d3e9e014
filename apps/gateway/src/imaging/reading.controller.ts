import { Controller } from '@nestjs/common';
import { readingRoutes } from '../reading/reading-routes';
import { ReadingService } from './reading.service';

/**
 * Reading imaging studies (阅片), JSON over HTTP, for radiologists (trainees included; their
 * signature needs a co-signature): the shared reading routes under `/api/imaging`
 * (`reading/reading-routes.ts`); the draft is `{ findings, impression, critical?: { text } | null }`.
 */
@Controller('api/imaging')
export class ReadingController extends readingRoutes('radiologist') {
  constructor(protected readonly readings: ReadingService) {
    super();
  }
}
