"""The kernels lab: standard vs depthwise-separable convolution, non-linearities, and the four
symmetric-operator convolution methods. Pure functions with frozen, JSON-able results."""
