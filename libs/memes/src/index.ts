export * from './async/meme-jobs';
export * from './caption';
export * from './media/meme-renderer';
export * from './meme-generator';
export * from './meme-query';
export * from './memes.module';
export * from './memes.service';
export * from './places';
