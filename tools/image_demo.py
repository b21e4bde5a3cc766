"""Panoptic segmentation of one image, drawn with mmdet's DetLocalVisualizer.

    python tools/image_demo.py IMAGE CONFIG CHECKPOINT [--out-file OUT.png]
        [--device cpu] [--cfg-options ...]

Example, after training the tiny config on the built-in dataset::

    python tools/image_demo.py data/synthetic_panoptic/val/000001000001.jpg \\
        configs/cascade_panoptic_fpn/cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic.py \\
        work_dirs/cascade-panoptic-fpn_tiny_1xb4-cos-6e_synthetic-panoptic/epoch_6.pth
"""
import argparse
import os.path as osp

import mmcv

from mmada.utils.launch import add_common_args, load_config


def parse_args():
    parser = argparse.ArgumentParser(description='Panoptic image demo')
    parser.add_argument('img', help='image file')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out-file', default='panoptic_demo.png', help='drawn result')
    parser.add_argument('--device', default='cpu', help='e.g. cpu, cuda:0')
    add_common_args(parser)
    return parser.parse_args()


def main():
    args = parse_args()
    from mmdet.apis import inference_detector, init_detector
    from mmdet.visualization import DetLocalVisualizer
    if not osp.isfile(args.img):
        raise FileNotFoundError(f'image {args.img} not found')
    cfg = load_config(args)
    model = init_detector(cfg, args.checkpoint, device=args.device)
    result = inference_detector(model, args.img)
    visualizer = DetLocalVisualizer()
    visualizer.dataset_meta = model.dataset_meta
    image = mmcv.imread(args.img, channel_order='rgb')
    visualizer.add_datasample(
        'result', image, data_sample=result, draw_gt=False, show=False,
        out_file=args.out_file)
    segments = result.pred_panoptic_seg.sem_seg.unique().numel()
    print(f'{args.out_file}: {segments} segments')


if __name__ == '__main__':
    main()
