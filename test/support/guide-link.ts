/**
 * The integration guide's example link: its "Essential Link Data Structure", with the
 * description from its "Response Structure". One copy for every test that checks the guide's
 * link_info field by field.
 */
import type { LinkInfo } from '../../src/types.js';

export const GUIDE_LINK: LinkInfo & { redirect_url: string } = {
  tracking_id: 'lt_abc123def456',
  original_url: 'https://linkedin.com/in/steve-glen',
  redirect_url: 'https://yourdomain.com/track/lt_abc123def456',
  link_function: 'LinkedIn',
  link_type: 'profile',
  job_id: '550e8400-e29b-41d4-a716-446655440000',
  application_id: '550e8400-e29b-41d4-a716-446655440001',
  is_active: true,
  created_at: '2025-07-27T21:00:00Z',
  description: 'Professional LinkedIn profile',
};

/**
 * The link_info of the guide's "Response Structure" for that link, written out rather than
 * derived from GUIDE_LINK: the analytics answer carries these fields and no others.
 */
export const GUIDE_LINK_INFO = {
  tracking_id: 'lt_abc123def456',
  original_url: 'https://linkedin.com/in/steve-glen',
  link_function: 'LinkedIn',
  link_type: 'profile',
  job_id: '550e8400-e29b-41d4-a716-446655440000',
  application_id: '550e8400-e29b-41d4-a716-446655440001',
  is_active: true,
  description: 'Professional LinkedIn profile',
} as const;
