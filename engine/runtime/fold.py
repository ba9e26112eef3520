"""Batch-norm folded into the convolution before it: one op instead of two at inference, with
the same result up to float rounding."""

from __future__ import annotations

import copy

from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval


def fold_batchnorm(model: nn.Module) -> tuple[nn.Module, int]:
    """A copy of `model` (in eval mode) with every Conv2d -> BatchNorm2d pair that sits next to
    each other in one nn.Sequential folded: the conv keeps its name and gains a bias, the BN becomes
    an Identity (so layer names still map to the analysis rows). Returns (copy, pairs folded)."""
    folded = copy.deepcopy(model).eval()
    count = 0
    for parent in folded.modules():
        if not isinstance(parent, nn.Sequential):  # elsewhere, attribute order says nothing about data flow
            continue
        children = list(parent.named_children())
        for (conv_name, conv), (bn_name, bn) in zip(children, children[1:]):
            if isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d) and bn.track_running_stats:
                # fuse_conv_bn_eval deep-copies the conv, so a subclass (TF SAME padding) keeps its forward
                setattr(parent, conv_name, fuse_conv_bn_eval(conv, bn))
                setattr(parent, bn_name, nn.Identity())
                count += 1
    return folded, count


def unfolded_batchnorms(model: nn.Module) -> list[str]:
    """Names of batch-norms still in `model` (for reports: what folding could not reach)."""
    return [name for name, m in model.named_modules() if isinstance(m, nn.BatchNorm2d)]
