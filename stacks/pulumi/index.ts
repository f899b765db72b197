// The Pulumi program (Pulumi.yaml points here, compiled): `pulumi up` converges the seed lab.
import { declareLab, labConfig } from './lab';

const lab = declareLab(labConfig());

export const bridgeA = lab.labA.bridgeInterface;
export const bridgeB = lab.labB.bridgeInterface;
export const webAddress = lab.web.addresses;
export const routeId = lab.route.routeId;
