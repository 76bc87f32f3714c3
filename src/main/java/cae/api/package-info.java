/**
 * The Java API: denoise images with a trained model, and train one, without knowing the engines.
 *
 * <ul>
 *   <li>{@link cae.api.Model}: load a run folder or {@code model.safetensors} and denoise a
 *       {@link java.awt.image.BufferedImage}, a float array, or a file into a file, grey or colour as
 *       the model was trained, any size in bounded memory.</li>
 *   <li>{@link cae.api.Training}: train with {@link cae.api.TrainingSettings} (the command line's
 *       {@code train} options and defaults: MNIST, a folder of IDX files, or a folder of your own
 *       photographs, grey or colour, on random crops), hearing each step through a
 *       {@link cae.api.TrainingListener}.</li>
 *   <li>{@link cae.api.EngineSettings}: where to run ({@link cae.api.Device}: auto, CPU or CUDA) and how.</li>
 * </ul>
 *
 * <p>Nothing here prints: what the command line would print (notes such as why the CPU engine runs,
 * the training log) is handed to the application ({@link cae.api.Model#notes()},
 * {@link cae.api.TrainingListener#message(String)}).
 *
 * <p>Runs on a plain JVM. With {@code --add-modules=jdk.incubator.vector} the CPU engine uses the
 * Vector API, several times faster; without it, it runs plain loops and says so in one note. The GPU
 * needs the CUDA bindings (JCuda, JCublas, JCudnn), which the artifact declares optional: add them to
 * the application's dependencies to use it.
 */
package cae.api;
