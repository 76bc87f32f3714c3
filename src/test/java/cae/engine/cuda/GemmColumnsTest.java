package cae.engine.cuda;

import cae.model.Activations;
import cae.model.Architecture;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The GEMM path's im2col columns are nine times a layer's input: too large for int indexing before the activations are. */
class GemmColumnsTest {
    @Test
    void aBatchWhoseActivationsFitCanStillHaveColumnsThatDoNot() {
        Activations.checkSize(Architecture.RECIPE, 10_000, 28, 28);  // the activations fit
        String problem = GemmWorkspace.columnsProblem(10_000, 32, 28, 28);
        assertNotNull(problem);
        assertTrue(problem.contains("batch 10000 of 28x28") && problem.contains("2,257,920,000 values") && problem.contains("--conv cudnn"), problem);
        CudaException e = assertThrows(CudaException.class, () -> GemmWorkspace.requireColumnsFit(10_000, 32, 28, 28));
        assertEquals(problem, e.getMessage());
    }

    @Test
    void theRecipesBatchesFit() {
        assertNull(GemmWorkspace.columnsProblem(1000, 32, 28, 28));
        assertNull(GemmWorkspace.columnsProblem(9510, 32, 28, 28));  // 2,147,281,920 values, the largest batch that fits
        assertNotNull(GemmWorkspace.columnsProblem(9511, 32, 28, 28));
    }
}
