/**
 * The table of mon message handlers by message type, beyond the bootstrap set MonServer handles
 * itself, and the one context that satisfies every handler's narrow interface.
 */
import type { MonHandler } from './handler';
import { ClusterLogContext, clusterLogHandlers } from './cluster-log';
import { OsdMessageContext, osdMessageHandlers } from './osd-messages';
import { PoolOpContext, poolOpHandlers } from './pool-ops';
import { StatfsContext, statfsHandlers } from './statfs';
import { PingContext, pingHandlers } from './ping';
import { TellContext, tellHandlers } from './tell';

export type MonHandlerContext = PoolOpContext & StatfsContext & ClusterLogContext & OsdMessageContext & PingContext & TellContext;

export const monHandlers: Record<number, MonHandler<MonHandlerContext>> = {
  ...poolOpHandlers,
  ...statfsHandlers,
  ...clusterLogHandlers,
  ...osdMessageHandlers,
  ...pingHandlers,
  ...tellHandlers,
};
