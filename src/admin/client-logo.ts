/**
 * The app launcher's fields of an application's settings form: home URL, description, and the
 * logo, uploaded with the form (multipart, one file, in memory, at most 256 KiB) or removed.
 * The upload is parsed before the CSRF check (which reads the form's token from the body).
 */
import type { Request, RequestHandler } from 'express';
import multer from 'multer';
import { z } from 'zod';
import { LOGO_MAX_BYTES, type DisplayUpdate } from '../clients/display.js';
import { SsoError } from '../domain/errors.js';
import { text } from '../web/forms.js';

/** The form field of the file. */
export const LOGO_FIELD = 'logo';

/** The settings form's launcher fields (in both the registration and the settings forms). */
export const displayFields = {
  home_url: text(2000),
  description: text(1000),
};

/** Only on the settings form: tick to remove the logo. */
export const logoFields = { remove_logo: text(5).transform((v) => v === 'on') };

/** Multipart forms (the settings form with its logo), parsed into req.body and req.file; others pass untouched. */
export function logoUpload(): RequestHandler {
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: LOGO_MAX_BYTES, files: 1, fields: 30, parts: 31, fieldSize: 32 * 1024, fieldNestingDepth: 0 },
  }).single(LOGO_FIELD);
  return (req, res, next) => {
    upload(req, res, (err: unknown) => {
      if (!err) return next();
      const code = (err as { code?: string }).code;
      const detail = code === 'LIMIT_FILE_SIZE' ? `the logo must be at most ${LOGO_MAX_BYTES / 1024} KiB` : `the form could not be read (${code ?? 'error'})`;
      next(new SsoError('invalid_input', detail, code === 'LIMIT_FILE_SIZE' ? { messageKey: 'clients.error.logo', field: LOGO_FIELD, params: { detail } } : { params: { detail } }));
    });
  };
}

/** The services' input for the launcher fields of a form: a new logo uploaded, or removed when asked. */
export function displayInput(form: { home_url: string; description: string; remove_logo?: boolean }, req?: Request): DisplayUpdate {
  const file = req?.file;
  return {
    homeUrl: form.home_url,
    description: form.description,
    ...(file?.buffer.length ? { logo: new Uint8Array(file.buffer) } : form.remove_logo ? { logo: null } : {}),
  };
}
