package cae.engine.cuda;

/**
 * Whether the CUDA engine's fused kernels replace library calls and separate launches: the
 * one-channel convolutions (conv1, the logits: kernels/thin_conv.cu, bias and ReLU fused), for the other
 * layers' forward cuDNN's convolution + bias + ReLU or our direct kernel (kernels/direct_conv.cu), the
 * max-pool and nearest-resize backwards fused into the next kernel, and the other layers' weight
 * gradient with im2col folded in (kernels/conv_wgrad.cu). Never, always, or per case whichever way
 * timed faster when the case was first seen (the command line's default); {@link FusionChoices} decides.
 */
public enum Fusion { OFF, ON, AUTO }
