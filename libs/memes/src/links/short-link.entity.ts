import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A short link `/m/<code>` to a stored meme object. One per meme (unique meme_id makes creating
 * it idempotent); looked up by code (the primary key); created_at indexed for the retention sweep.
 */
@Entity('short_links')
@Index('short_links_created_at_idx', ['createdAt'])
export class ShortLinkEntity {
  @PrimaryColumn({ type: 'varchar', length: 16 })
  code!: string;

  @Index('short_links_meme_id_key', { unique: true })
  @Column({ name: 'meme_id', type: 'uuid' })
  memeId!: string;

  @Column({ name: 'object_key', type: 'varchar', length: 255 })
  objectKey!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
