import { InitialSchema1795802918409 } from './1795802918409-InitialSchema';
import { UsageLedger1795804652454 } from './1795804652454-UsageLedger';
import { AccountSequence1795805251330 } from './1795805251330-AccountSequence';
import { IdempotentPurchases1795805625041 } from './1795805625041-IdempotentPurchases';
import { AsyncMemes1795810007493 } from './1795810007493-AsyncMemes';
import { Subscriptions1795811250632 } from './1795811250632-Subscriptions';
import { MemeDeliveries1795815917250 } from './1795815917250-MemeDeliveries';
import { DeliveryMarksHashIndex1795822744921 } from './1795822744921-DeliveryMarksHashIndex';
import { Deployment1795830512870 } from './1795830512870-Deployment';

/** Every migration, oldest first. Add new ones here after generating and reviewing them. */
export const MIGRATIONS = [InitialSchema1795802918409, UsageLedger1795804652454, AccountSequence1795805251330, IdempotentPurchases1795805625041, AsyncMemes1795810007493, Subscriptions1795811250632, MemeDeliveries1795815917250, DeliveryMarksHashIndex1795822744921, Deployment1795830512870];
